/* `thingtop [options]`: the interactive monitor (see app.c). */
#include "build_config.h"

#include "app.h"
#include "commands.h"

int cmd_monitor(int argc, char **argv)
{
	return app_main(argc, argv);
}
