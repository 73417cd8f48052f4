/* A growable string: no fixed buffers, no manual length math (after git's strbuf).
 * buf is always NUL-terminated and never NULL once initialised. */
#ifndef VOLSNAP_STRBUF_H
#define VOLSNAP_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_empty[];
#define STRBUF_INIT                                                                                                    \
	{                                                                                                              \
		strbuf_empty, 0, 0                                                                                     \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Hands the string to the caller (who frees it) and resets sb. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s with URL query escaping (RFC 3986 unreserved kept). */
void strbuf_add_urlencoded(struct strbuf *sb, const char *s);
void strbuf_trim_trailing_newlines(struct strbuf *sb);

#endif
