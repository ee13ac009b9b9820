/* placeholder until written */
#include "view.h"
