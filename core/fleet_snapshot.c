/* placeholder until written */
#include "fleet.h"
