module github.com/acme/statusd

go 1.24.0
