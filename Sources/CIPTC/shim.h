#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
