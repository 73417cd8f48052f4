/* Helpers shared by the client's unit tests: a hand-built kube_config (the
 * kubeconfig loader is tested on its own) and a client aimed at a testsrv.
 * Included as "support/fixture.c", like testsrv.c. */
#ifndef VOLSNAP_TEST_FIXTURE_H
#define VOLSNAP_TEST_FIXTURE_H

#include <stdio.h>

#include "kube/kube.h"
#include "testsrv.h"

struct fixture {
	struct testsrv *ts;
	struct kube_config cfg;
	struct kube_client_options opts;
	struct kube_client *client;
	char *log_buf;
	size_t log_len;
	FILE *log;
};

/* Starts a server; the client is made by fixture_client() once cfg/opts are tuned. */
void fixture_start(struct fixture *f);
struct kube_client *fixture_client(struct fixture *f);
/* The -v log so far (NUL-terminated). */
const char *fixture_log(struct fixture *f);
void fixture_stop(struct fixture *f);

#define JSON_CT "Content-Type: application/json\r\n"

/* cmocka set-up and tear-down: a started fixture in *state. */
int fixture_setup(void **state);
int fixture_teardown(void **state);
#define FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

#endif
