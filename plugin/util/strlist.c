#include "util/strlist.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void strlist_take(struct strlist *l, char *s)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 8;
		l->items = xrealloc(l->items, l->alloc * sizeof *l->items);
	}
	l->items[l->n++] = s;
}

void strlist_push(struct strlist *l, const char *s)
{
	strlist_take(l, xstrdup(s));
}

void strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->alloc = 0;
}

int strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return 1;
	return 0;
}
