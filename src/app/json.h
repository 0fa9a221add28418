// The JSON views moved to src/views (the REST API uses them too); the CLI keeps its name for them.
#pragma once

#include "views/json.h"

namespace drawbridge::app {
using views::to_json;
}  // namespace drawbridge::app
