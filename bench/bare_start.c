/* bench/bare_start.c: the limit for start-up, what the bare minimum costs. Built static
 * (cc -O2 -static) by bench/startup.py and bench/version.sh, so exec, the kernel's
 * loading and the exit are all it pays for.
 *
 *   bare_start connect HOST PORT   connects to HOST:PORT (numeric IPv4) and exits
 *                                  (limit of "exec to first connection")
 *   bare_start version             prints a one-line version and exits
 *                                  (limit of `version --client`)
 *
 * Bench tool only (not part of the plugin). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "version")) {
		fputs("bare_start v0.0.0\n", stdout);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "connect")) {
		struct sockaddr_in sa;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_port = htons((unsigned short)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
			fprintf(stderr, "bare_start: %s: not a numeric IPv4 address\n", argv[2]);
			return 2;
		}
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			perror("bare_start: connect");
			return 1;
		}
		close(fd);
		return 0;
	}
	fprintf(stderr, "usage: bare_start connect HOST PORT | bare_start version\n");
	return 2;
}
