/* placeholder until written */
#include "rebuild.h"
