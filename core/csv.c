/* placeholder until written */
#include "csv.h"
