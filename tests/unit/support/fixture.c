/* See fixture.h. */
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "testsrv.c"

void fixture_start(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	f->ts = ts_start();
	f->cfg.server = strdup(ts_url(f->ts));
	f->cfg.namespace = strdup("default");
	f->cfg.token = strdup("s3cr3t-token-value");
	f->log = open_memstream(&f->log_buf, &f->log_len);
	f->opts.log = f->log;
	f->opts.max_retries = 3;
}

struct kube_client *fixture_client(struct fixture *f)
{
	struct kube_error err = {0};
	if (kube_client_new(&f->cfg, &f->opts, &f->client, &err) < 0) {
		fprintf(stderr, "kube_client_new: %s\n", err.message);
		abort();
	}
	return f->client;
}

const char *fixture_log(struct fixture *f)
{
	fflush(f->log);
	return f->log_buf ? f->log_buf : "";
}

void fixture_stop(struct fixture *f)
{
	kube_client_free(f->client);
	ts_stop(f->ts);
	fclose(f->log);
	free(f->log_buf);
	/* Only the fields the fixtures set are freed; tests that set more free them. */
	free(f->cfg.server);
	free(f->cfg.namespace);
	free(f->cfg.token);
	memset(f, 0, sizeof *f);
}

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	fixture_start(f);
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	fixture_stop(*state);
	free(*state);
	return 0;
}
