#ifndef PARTSCAN_MILTER_POLICY_H
#define PARTSCAN_MILTER_POLICY_H

/* The policy moved to policy/ (libpartscan) so that the CLI decides as the milter does. */
#include "policy/policy.h"

#endif
