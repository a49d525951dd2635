module github.com/svcship/svcship

go 1.26.8

tool github.com/magefile/mage

require (
	github.com/akavel/rsrc v0.10.2 // indirect
	github.com/google/go-github/v57 v57.0.0 // indirect
	github.com/josephspurrier/goversioninfo v1.7.0 // indirect
	github.com/magefile/mage v1.17.2 // indirect
	github.com/richardlehane/mscfb v1.0.9 // indirect
	github.com/richardlehane/msoleps v1.0.3 // indirect
	golang.org/x/sys v0.50.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
