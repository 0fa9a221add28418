#include "app/cli.h"

int main(int argc, char** argv) {
    return drawbridge::app::run_cli(argc, argv);
}
