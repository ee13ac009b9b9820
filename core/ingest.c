/* placeholder until written */
#include "ingest.h"
