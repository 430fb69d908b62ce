/* oversight_http.c: being written. */
#include "cases_http.h"

const route oversight_routes[1];
const size_t oversight_routes_count = 0;

void
oversight_case_model(req *r, const case_row *c, const case_access *acc, json_t *model)
{
	(void)r; (void)c; (void)acc; (void)model;
}