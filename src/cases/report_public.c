/* report_public.c: being written. */
#include "cases_http.h"

const route report_public_routes[1];
const size_t report_public_routes_count = 0;