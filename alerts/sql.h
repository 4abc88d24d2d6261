// Internal to alerts/: the metadata database helpers (store/sql.h) under the part's own names.
// Not thread-safe by themselves: AlertService serialises its use under its mutex,
// WebhookDispatcher runs only single statements.
#pragma once

#include "store/sql.h"

namespace dateline::alerts_internal {

using sql::Changes;
using sql::Stmt;
using sql::Transaction;

}  // namespace dateline::alerts_internal
