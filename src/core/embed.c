/* embed.c: lookups in the tables that tools/embed generated. */
#include "embed.h"

#include <string.h>

const embedded_file *
embedded_find(const embedded_file *table, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, table[mid].name);
		if (c == 0)
			return &table[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
