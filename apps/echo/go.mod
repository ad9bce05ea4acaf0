module harness.local/echo

go 1.22
