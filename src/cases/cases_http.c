/* cases_http.c: being written. */
#include "cases_http.h"

const route cases_routes[1];
const size_t cases_routes_count = 0;