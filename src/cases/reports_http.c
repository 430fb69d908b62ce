/* reports_http.c: being written. */
#include "cases_http.h"

const route reports_routes[1];
const size_t reports_routes_count = 0;