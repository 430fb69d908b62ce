/* embed.h: files compiled into the binary at build time by tools/embed.
 *
 * Templates, static assets, SQL migrations and the translation catalogs are
 * read from these tables, never from the disk at run time, so the binary is
 * all that is deployed. Tables are sorted by name. */
#ifndef XA_EMBED_H
#define XA_EMBED_H

#include <stddef.h>

typedef struct embedded_file {
	const char *name;		/* path relative to its folder */
	const unsigned char *data;	/* NUL-terminated */
	size_t len;			/* without the NUL */
} embedded_file;

typedef struct catalog_entry {
	const char *key;
	const char *text;
} catalog_entry;

extern const embedded_file embedded_templates[];
extern const size_t embedded_templates_count;
extern const embedded_file embedded_static[];
extern const size_t embedded_static_count;
extern const embedded_file embedded_migrations[];
extern const size_t embedded_migrations_count;
/* Catalogs from po/zh/ and po/en/, sorted by key. */
extern const catalog_entry catalog_zh[];
extern const size_t catalog_zh_count;
extern const catalog_entry catalog_en[];
extern const size_t catalog_en_count;

/* The entry called name, or NULL. Binary search. */
const embedded_file *embedded_find(const embedded_file *table, size_t n,
    const char *name);

#endif
