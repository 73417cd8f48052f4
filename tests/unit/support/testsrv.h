/* A tiny scripted HTTP/1.1 server for unit tests of the transport: plain HTTP
 * on 127.0.0.1, a thread per connection, answers taken from a script.
 *
 * The Makefile builds one binary per tests/unit/test_*.c, so a test uses it by
 * including "support/testsrv.c" once. Not a Kubernetes emulator (that is
 * tests/apiserver/): it only says what it was told to say. */
#ifndef VOLSNAP_TESTSRV_H
#define VOLSNAP_TESTSRV_H

#include <stdbool.h>
#include <stddef.h>

#define TS_MAX_CHUNKS 8

struct ts_reply {
	/* Answers the first request whose "METHOD target " (note the trailing
	 * space) contains this; NULL = any. */
	const char *match;
	int status;			   /* 0 = reset the connection instead of answering */
	const char *headers;		   /* extra header lines ending in "\r\n", Content-Type included */
	const char *body;		   /* sent with Content-Length; ignored when chunks[0] is set */
	const char *chunks[TS_MAX_CHUNKS]; /* sent chunked, one write each */
	int chunk_delay_ms;		   /* pause before each chunk */
	int delay_ms;			   /* pause before the answer */
	bool close;			   /* close the connection after the answer */
	/* Hold the answer until this many barrier requests are in flight at once
	 * (500 after 5 s): proves a client overlaps requests without timing them. */
	int barrier;
};

struct ts_request {
	char *method;
	char *target;
	char *headers; /* raw header block */
	char *body;
	size_t body_len;
};

struct testsrv;

struct testsrv *ts_start(void);
/* Appends a reply to the script; its strings must outlive the server. */
void ts_add(struct testsrv *ts, const struct ts_reply *r);
const char *ts_url(const struct testsrv *ts);
size_t ts_nrequests(struct testsrv *ts);
/* The i-th request received (valid until ts_stop). */
const struct ts_request *ts_request(struct testsrv *ts, size_t i);
/* Requests whose "METHOD target" contains s. */
size_t ts_count(struct testsrv *ts, const char *s);
void ts_stop(struct testsrv *ts);

#endif
