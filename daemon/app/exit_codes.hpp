// hallkeeperd's exit codes. Distinct per cause so systemd (RestartPreventExitStatus=) and
// technicians can tell "fix the config" from "another daemon runs" from "disk is broken".
// Values follow sysexits.h where one fits. Listed in docs/operations.md.
#pragma once

namespace hk::app {

enum ExitCode : int {
    kExitOk = 0,
    kExitUsage = 64,             // bad command line
    kExitCorruptStore = 65,      // state database is damaged or not a database
    kExitInternal = 70,          // a bug: an unexpected error inside the daemon
    kExitIo = 74,                // disk full, read/write error
    kExitCannotWriteState = 73,  // state directory or socket directory cannot be created/written
    kExitAlreadyRunning = 75,    // another hallkeeperd holds the state directory or socket
    kExitConfig = 78,            // configuration invalid
    kExitStoreTooNew = 79,       // the state database was written by a newer hallkeeperd
};

}  // namespace hk::app
