/* A growable list of owned strings (repeated flags, names, messages). */
#ifndef VOLSNAP_STRLIST_H
#define VOLSNAP_STRLIST_H

#include <stddef.h>

struct strlist {
	char **items;
	size_t n;
	size_t alloc;
};
#define STRLIST_INIT                                                                                                   \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}

void strlist_push(struct strlist *l, const char *s); /* copies s */
void strlist_take(struct strlist *l, char *s);	     /* takes ownership of s */
void strlist_clear(struct strlist *l);
int strlist_contains(const struct strlist *l, const char *s);

#endif
