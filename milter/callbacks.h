#ifndef PARTSCAN_CALLBACKS_H
#define PARTSCAN_CALLBACKS_H

/* callbacks: register partscan's libmilter callbacks (smfi_register). 0, or -1. */
int callbacks_register(void);

#endif
