#include "secy_port.h"
