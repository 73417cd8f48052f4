/* YAML <-> json-c, with libyaml. Kubeconfigs and manifests are read as YAML
 * (JSON is YAML too); -o yaml output is written from json-c objects. */
#ifndef VOLSNAP_YAML_H
#define VOLSNAP_YAML_H

#include <json-c/json.h>
#include <stdio.h>

/* Parses the first YAML document in buf into a json-c value (*out owned by the
 * caller). Plain scalars follow YAML 1.2 core rules as Kubernetes reads them
 * (true/false, null/~, integers, floats; everything else a string; quoted
 * scalars always strings). On error returns -1 and sets *errmsg ("line L,
 * column C: problem"; caller frees). An empty document gives a NULL *out. */
int yaml_to_json(const char *buf, size_t len, json_object **out, char **errmsg);
/* Writes obj as a YAML document like kubectl -o yaml does (2-space indent,
 * block style, strings quoted only when they would read back as another type). */
int json_to_yaml(FILE *f, json_object *obj);

#endif
