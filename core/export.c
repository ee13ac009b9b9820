/* placeholder until written */
#include "export.h"
