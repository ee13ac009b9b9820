/* placeholder until written */
#include "journal.h"
