<#
.SYNOPSIS
    Stops and removes the service shipped in this folder.
.DESCRIPTION
    A thin wrapper around svcship-installer.exe uninstall, which stops the
    service (with a bounded wait) and deletes it and its event source. The
    files in this folder and the logs stay; delete the folder afterwards if
    you no longer need it. Run it from an elevated PowerShell. Arguments
    after the script name are passed to the installer unchanged.
.EXAMPLE
    PS> .\scripts\uninstall.ps1
#>
[CmdletBinding()]
param(
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $InstallerArgs = @()
)
$ErrorActionPreference = 'Stop'

$root = Split-Path -Parent $PSScriptRoot
$installer = Join-Path $root 'svcship-installer.exe'
if (-not (Test-Path -LiteralPath $installer)) {
    throw "svcship-installer.exe not found in $root"
}

$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
$principal = New-Object Security.Principal.WindowsPrincipal($identity)
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'Removing a service needs administrator rights: run PowerShell as administrator.'
}

& $installer uninstall @InstallerArgs
exit $LASTEXITCODE
