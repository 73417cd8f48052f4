/* bench/bare_list.c: the limit for `list`: the same pages the plugin fetches
 * (GET ...?limit=N&continue=...), over one reused connection (HTTP/2 over TLS
 * where the server offers it, as the plugin does), with nothing parsed but
 * the continue token. Prints the bytes and pages received.
 *
 *   bare_list URL CA_FILE TOKEN_FILE [LIMIT] [http1] [gzip] [table|tablemeta]
 *
 * http1 forces HTTP/1.1; gzip asks for compressed bodies (as client-go does);
 * table asks the server for its Table rendering (as=Table) without the objects
 * (includeObject=None), tablemeta with each row's metadata (includeObject=Metadata,
 * kubectl get's own request).
 *
 * Bench tool only (not part of the plugin): built by bench/list.sh. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct page {
	char *buf;
	size_t len, cap;
};

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	struct page *pg = ud;
	size_t add = sz * n;
	if (pg->len + add + 1 > pg->cap) {
		pg->cap = (pg->len + add + 1) * 2;
		pg->buf = realloc(pg->buf, pg->cap);
		if (!pg->buf)
			abort();
	}
	memcpy(pg->buf + pg->len, p, add);
	pg->len += add;
	pg->buf[pg->len] = 0;
	return add;
}

/* The list's metadata comes before its items: the first "continue" key is the token. */
static char *continue_token(const char *body)
{
	const char *k = strstr(body, "\"continue\":\"");
	if (!k)
		return NULL;
	k += strlen("\"continue\":\"");
	const char *e = strchr(k, '"');
	if (!e || e == k)
		return NULL;
	return strndup(k, (size_t)(e - k));
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bare_list URL CA_FILE TOKEN_FILE [LIMIT] [http1] [gzip] [table|tablemeta]\n");
		return 2;
	}
	const char *limit = argc > 4 ? argv[4] : "500";
	int http1 = 0, gzip = 0;
	const char *table = NULL; /* includeObject= */
	for (int i = 5; i < argc; i++) {
		http1 |= !strcmp(argv[i], "http1");
		gzip |= !strcmp(argv[i], "gzip");
		if (!strcmp(argv[i], "table"))
			table = "None";
		if (!strcmp(argv[i], "tablemeta"))
			table = "Metadata";
	}
	char token[4096] = "Authorization: Bearer ";
	FILE *tf = fopen(argv[3], "r");
	if (!tf || !fgets(token + strlen(token), (int)(sizeof token - strlen(token)), tf)) {
		fprintf(stderr, "bare_list: cannot read %s\n", argv[3]);
		return 1;
	}
	fclose(tf);
	token[strcspn(token, "\r\n")] = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = curl_slist_append(NULL, token);
	hdrs = curl_slist_append(hdrs, table ? "Accept: application/json;as=Table;v=v1;g=meta.k8s.io"
					     : "Accept: application/json");
	struct page pg = {0};
	char *cont = NULL;
	size_t bytes = 0, pages = 0;
	curl_easy_setopt(h, CURLOPT_CAINFO, argv[2]);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &pg);
	if (gzip)
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, http1 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2TLS);
	do {
		char url[8192];
		char *esc = cont ? curl_easy_escape(h, cont, 0) : NULL;
		snprintf(url, sizeof url, "%s?limit=%s%s%s%s%s", argv[1], limit, table ? "&includeObject=" : "",
			 table ? table : "", esc ? "&continue=" : "", esc ? esc : "");
		curl_free(esc);
		pg.len = 0;
		curl_easy_setopt(h, CURLOPT_URL, url);
		CURLcode rc = curl_easy_perform(h);
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (rc != CURLE_OK || code != 200) {
			fprintf(stderr, "bare_list: %s: %s (HTTP %ld)\n", url, curl_easy_strerror(rc), code);
			return 1;
		}
		bytes += pg.len;
		pages++;
		free(cont);
		cont = continue_token(pg.buf ? pg.buf : "");
	} while (cont);
	printf("%zu bytes in %zu pages\n", bytes, pages);
	free(pg.buf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}
