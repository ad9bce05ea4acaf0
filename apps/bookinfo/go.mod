module harness.local/bookinfo

go 1.22
