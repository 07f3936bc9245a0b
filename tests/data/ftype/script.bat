@echo off
setlocal
cd /d "%~dp0"
if exist x.txt del x.txt
exit /b 0
