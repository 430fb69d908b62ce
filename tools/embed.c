/* embed.c: a build-time tool that turns files into C arrays.
 *
 *   embed files OUT.c SYMBOL BASEDIR FILE...   embedded_file SYMBOL[]
 *   embed po    OUT.c SYMBOL FILE.po...        catalog_entry SYMBOL[]
 *
 * Output tables are sorted by name so lookups can bisect. A .po file is
 * read in the subset we write: msgid "..." / msgstr "..." with continuation
 * lines and C escapes; an entry with an empty msgstr is an error, so a
 * missing translation fails the build. Runs on the build machine only. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
	char *name;
	char *data;
	size_t len;
};

static void
die(const char *msg, const char *arg)
{
	fprintf(stderr, "embed: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die(strerror(errno), path);
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	if (p == NULL)
		die("out of memory", NULL);
	for (;;) {
		if (n + 4096 > cap) {
			cap *= 2;
			p = realloc(p, cap);
			if (p == NULL)
				die("out of memory", NULL);
		}
		size_t r = fread(p + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		die("read error", path);
	fclose(f);
	p[n] = '\0';
	*len = n;
	return p;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->name,
	    ((const struct item *)b)->name);
}

static void
put_bytes(FILE *o, const char *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(o, "%u,", (unsigned char)d[i]);
		if (i % 24 == 23)
			fputc('\n', o);
	}
	fputs("0", o);
}

static void
put_cstring(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(o, "\\%03o", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

/* Reads one "..." string at *pp, appending its unescaped bytes to out. */
static void
po_string(const char **pp, char **out, size_t *len, const char *file, int line)
{
	const char *p = *pp;
	char where[512];
	snprintf(where, sizeof where, "%s:%d", file, line);
	if (*p != '"')
		die("expected a string", where);
	p++;
	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			switch (*p++) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			default: die("unknown escape", where);
			}
		}
		*out = realloc(*out, *len + 2);
		if (*out == NULL)
			die("out of memory", NULL);
		(*out)[(*len)++] = c;
		(*out)[*len] = '\0';
	}
	if (*p != '"')
		die("unterminated string", where);
	*pp = p + 1;
}

static size_t
parse_po(const char *file, struct item **items, size_t n, size_t *capp)
{
	size_t len;
	char *text = slurp(file, &len);
	size_t cap = *capp;
	char *id = NULL, *str = NULL;
	size_t idlen = 0, strlen_ = 0;
	int state = 0; /* 0 none, 1 in msgid, 2 in msgstr */
	int line = 0;
	char *save = text;
	for (char *l = text; l != NULL;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		line++;
		const char *p = l;
		while (*p == ' ' || *p == '\t')
			p++;
		int flush = 0;
		if (strncmp(p, "msgid ", 6) == 0) {
			flush = 1;
		} else if (*p == '\0' || *p == '#') {
			if (nl == NULL)
				flush = 1;
		}
		if (flush && state == 2) {
			if (idlen > 0) {
				if (strlen_ == 0) {
					char where[600];
					snprintf(where, sizeof where, "%s: %s", file, id);
					die("empty translation", where);
				}
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					*items = realloc(*items, cap * sizeof **items);
					if (*items == NULL)
						die("out of memory", NULL);
				}
				(*items)[n].name = id;
				(*items)[n].data = str;
				(*items)[n].len = strlen_;
				n++;
			} else {
				free(id);
				free(str);
			}
			id = str = NULL;
			idlen = strlen_ = 0;
			state = 0;
		}
		if (strncmp(p, "msgid ", 6) == 0) {
			p += 6;
			id = calloc(1, 1);
			po_string(&p, &id, &idlen, file, line);
			state = 1;
		} else if (strncmp(p, "msgstr ", 7) == 0) {
			if (state != 1)
				die("msgstr without msgid", file);
			p += 7;
			str = calloc(1, 1);
			po_string(&p, &str, &strlen_, file, line);
			state = 2;
		} else if (*p == '"') {
			if (state == 1)
				po_string(&p, &id, &idlen, file, line);
			else if (state == 2)
				po_string(&p, &str, &strlen_, file, line);
			else
				die("stray string", file);
		}
		l = nl ? nl + 1 : NULL;
	}
	if (state == 2 && idlen > 0) {
		if (strlen_ == 0)
			die("empty translation", id);
		cap = n + 1;
		*items = realloc(*items, cap * sizeof **items);
		(*items)[n].name = id;
		(*items)[n].data = str;
		(*items)[n].len = strlen_;
		n++;
	}
	free(save);
	*capp = cap;
	return n;
}

int
main(int argc, char **argv)
{
	if (argc < 5)
		die("usage: embed files OUT SYMBOL BASEDIR FILE... | embed po OUT SYMBOL FILE.po...", NULL);
	const char *mode = argv[1], *outpath = argv[2], *sym = argv[3];
	struct item *items = NULL;
	size_t n = 0;
	if (strcmp(mode, "files") == 0) {
		const char *base = argv[4];
		size_t blen = strlen(base);
		n = (size_t)(argc - 5);
		items = calloc(n ? n : 1, sizeof *items);
		for (size_t i = 0; i < n; i++) {
			const char *path = argv[5 + i];
			const char *name = path;
			/* Meson may hand us absolute or build-relative paths: keep
			 * the part after BASEDIR/. */
			for (const char *hit = strstr(path, base); hit != NULL;
			    hit = strstr(hit + 1, base))
				if ((hit == path || hit[-1] == '/') && hit[blen] == '/')
					name = hit + blen + 1;
			items[i].name = strdup(name);
			items[i].data = slurp(path, &items[i].len);
		}
		qsort(items, n, sizeof *items, cmp);
	} else if (strcmp(mode, "po") == 0) {
		size_t cap = 0;
		for (int i = 4; i < argc; i++)
			n = parse_po(argv[i], &items, n, &cap);
		qsort(items, n, sizeof *items, cmp);
		for (size_t i = 1; i < n; i++)
			if (strcmp(items[i - 1].name, items[i].name) == 0)
				die("duplicate msgid", items[i].name);
	} else {
		die("unknown mode", mode);
	}
	FILE *o = fopen(outpath, "w");
	if (o == NULL)
		die(strerror(errno), outpath);
	fprintf(o, "/* Generated by tools/embed.c; do not edit. */\n"
	    "#include \"core/embed.h\"\n\n");
	if (strcmp(mode, "files") == 0) {
		for (size_t i = 0; i < n; i++) {
			fprintf(o, "static const unsigned char %s_%zu[] = {\n", sym, i);
			put_bytes(o, items[i].data, items[i].len);
			fputs("};\n", o);
		}
		fprintf(o, "const embedded_file %s[] = {\n", sym);
		for (size_t i = 0; i < n; i++) {
			fputs("\t{ ", o);
			put_cstring(o, items[i].name);
			fprintf(o, ", %s_%zu, %zu },\n", sym, i, items[i].len);
		}
		fprintf(o, "\t{ 0, 0, 0 }\n};\nconst size_t %s_count = %zu;\n", sym, n);
	} else {
		fprintf(o, "const catalog_entry %s[] = {\n", sym);
		for (size_t i = 0; i < n; i++) {
			fputs("\t{ ", o);
			put_cstring(o, items[i].name);
			fputs(", ", o);
			put_cstring(o, items[i].data);
			fputs(" },\n", o);
		}
		fprintf(o, "\t{ 0, 0 }\n};\nconst size_t %s_count = %zu;\n", sym, n);
	}
	if (fclose(o) != 0)
		die("write error", outpath);
	return 0;
}
