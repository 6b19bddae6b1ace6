#include "support/sandbox_fixture.hpp"
