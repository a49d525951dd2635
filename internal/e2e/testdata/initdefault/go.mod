module github.com/acme/greetd

go 1.24.0
