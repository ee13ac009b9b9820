/* placeholder until written */
#include "ndjson.h"
