#include <string.h>

#include "out/out.h"

static const char *const format_names[] = {
    [OUT_TEXT] = "text", [OUT_WIDE] = "wide", [OUT_JSON] = "json", [OUT_YAML] = "yaml", [OUT_NAME] = "name",
};

bool out_parse_format(const char *s, unsigned allowed, enum out_format *f)
{
	if (!s || !*s) {
		*f = OUT_TEXT;
		return true;
	}
	for (int i = 0; i < (int)(sizeof format_names / sizeof format_names[0]); i++) {
		if (!strcmp(s, format_names[i]) && (allowed & OUT_ALLOW(i))) {
			*f = (enum out_format)i;
			return true;
		}
	}
	return false;
}

const char *out_format_names(unsigned allowed)
{
	static char buf[64];
	buf[0] = '\0';
	for (int i = 0; i < (int)(sizeof format_names / sizeof format_names[0]); i++) {
		if (!(allowed & OUT_ALLOW(i)))
			continue;
		if (buf[0])
			strcat(buf, "|");
		strcat(buf, format_names[i]);
	}
	return buf;
}

const char *out_color(bool enabled, const char *which)
{
	static const struct {
		const char *name, *code;
	} codes[] = {
	    {"red", "\033[31m"}, {"green", "\033[32m"}, {"yellow", "\033[33m"},
	    {"bold", "\033[1m"}, {"dim", "\033[2m"},	{"reset", "\033[0m"},
	};
	if (!enabled)
		return "";
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (!strcmp(codes[i].name, which))
			return codes[i].code;
	return "";
}
