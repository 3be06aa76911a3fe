#ifndef CANDOR_CPCRE2_SHIM_H
#define CANDOR_CPCRE2_SHIM_H
// PCRE2 with 8-bit code units (UTF-8). The width must be fixed before including pcre2.h.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
