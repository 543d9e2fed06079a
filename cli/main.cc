#include "cli/cli.h"

int main(int argc, char** argv) { return thaw::RunCli(argc, argv); }
