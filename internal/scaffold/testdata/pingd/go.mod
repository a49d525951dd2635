module example.com/acme/pingd

go 1.26
