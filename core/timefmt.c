/* placeholder until written */
#include "timefmt.h"
