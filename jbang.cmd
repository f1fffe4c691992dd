@echo off
rem Runs JBang for this project on Windows (cmd.exe) with nothing but Java 17+ installed; same logic
rem as ./jbang: JBang 0.132.1, fetched once from Maven Central by .jbang\Bootstrap.java (jars pinned by
rem sha256 in .jbang\jbang-cli.lock) into %LOCALAPPDATA%\jbang-bootstrap\0.132.1 (or %JBANG_BOOTSTRAP_DIR%),
rem always through .jbang\Launch.java (one build at a time per JBang cache, each build checked before use).
rem A jbang on PATH is never used. JBang's own jbang.cmd writes the command to run into
rem %TEMP%\%RANDOM%.jbang.tmp, and cmd seeds %RANDOM% from the clock in seconds: scheduled tasks that start
rem in the same second would read each other's file and run each other's command. This launcher gives
rem each run a folder of its own (mkdir fails when it exists), so runs never share a file.
rem Delete the cache folder to fetch again.
rem Delayed expansion stays off throughout so that "!" in arguments and paths survives.
rem Keep this file's line endings CRLF: cmd mis-finds labels in LF-only batch files.
setlocal EnableExtensions DisableDelayedExpansion
set "JB_VERSION=0.132.1"
set "JB_HOME=%~dp0"
rem The scripts resolve config\, backups\ and logs\ against the project home, not the working folder.
if not defined RA_INFRA_HOME set "RA_INFRA_HOME=%~dp0."
rem JBang itself only decides what to run: a quick-starting JVM suits it. Kept out of JBANG_JAVA_OPTIONS,
rem which JBang passes on to the script's JVM (backups need the full JIT); quick scripts set //JAVA_OPTIONS.
set "JB_JVM=%JBANG_JAVA_OPTIONS%"
if not defined JBANG_JAVA_OPTIONS set "JB_JVM=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

set "JB_JAVA=java"
if defined JAVA_HOME if exist "%JAVA_HOME%\bin\java.exe" set "JB_JAVA=%JAVA_HOME%\bin\java.exe"
if not "%JB_JAVA%"=="java" goto :java_ok
where /q java && goto :java_ok
>&2 echo jbang: Java 17+ not found: install a JDK and put it on PATH (or set JAVA_HOME)
exit /b 1
:java_ok
rem JBang and .jbang\*.java need Java 17+; an older java first on PATH (Java 8's installer puts its
rem javapath folder there) would fail with "Could not find or load main class". The banner reads
rem java version "1.8.0_392", openjdk version "17.0.9" 2023-10-17 or openjdk version "21" 2023-09-19,
rem possibly after a "Picked up ..." line. %%JB_JAVA%% is expanded by the child cmd, inside quotes, so that
rem a ")" in JAVA_HOME cannot end the for's parentheses (checked on Windows: not yet).
set "JB_JV="
set "JB_JMAJOR="
for /f "tokens=2,3" %%A in ('""%%JB_JAVA%%" -version 2>&1"') do if "%%A"=="version" if not defined JB_JV set "JB_JV=%%~B"
if defined JB_JV for /f "tokens=1,2 delims=.-_+" %%A in ("%JB_JV%") do if "%%A"=="1" (set "JB_JMAJOR=%%B") else set "JB_JMAJOR=%%A"
if not defined JB_JMAJOR goto :java_version_ok
if %JB_JMAJOR% GEQ 17 goto :java_version_ok
set "JB_JPATH="
if "%JB_JAVA%"=="java" for /f "delims=" %%P in ('where java 2^>nul') do if not defined JB_JPATH set "JB_JPATH=%%P"
if not defined JB_JPATH set "JB_JPATH=%JB_JAVA%"
>&2 echo jbang: Java 17+ needed, found Java %JB_JMAJOR% at %JB_JPATH%: install a JDK 17+ and put it first on PATH (or set JAVA_HOME)
exit /b 1
:java_version_ok

rem 1. Fetch JBang's jars once (Bootstrap writes .complete only after every jar is verified), and compile
rem .jbang\Launch.java into %JB_DIR%\launch\<version>\ (%JB_DIR%\launch\current names it).
set "JB_DIR=%LOCALAPPDATA%\jbang-bootstrap\%JB_VERSION%"
if defined JBANG_BOOTSTRAP_DIR set "JB_DIR=%JBANG_BOOTSTRAP_DIR%"
rem A trailing backslash would escape the closing quote of "%JB_DIR%" for java's argument parser.
if "%JB_DIR:~-1%"=="\" set "JB_DIR=%JB_DIR:~0,-1%"
if exist "%JB_DIR%\.complete" goto :run
call :bootstrap || exit /b 1

rem 2. Same protocol as JBang's own jbang.cmd: Launch prints the java command line for the script
rem (quoted for cmd) and exits 255; we then run that line. Any other exit code: show its output and
rem pass the code on; 254: Launch was compiled from another version of its source, compile it again.
rem Launch runs JBang under a lock, checks and records each build, and runs a recorded one without
rem JBang (same logic as ./jbang, which is where it is tested: checked on Windows: not yet).
rem cmd has no $(...), so the output goes through a file.
:run
rem Like JBang's jbang.cmd: UTF-8 code page while JBang and the script run (non-ASCII paths: Launch
rem writes the command line in UTF-8, and cmd reads it in this code page), unless JBANG_WIN_UTF8=false
rem (then paths must be ASCII); the original one is restored before exiting. chcp answers
rem "Active code page: 437", "Aktive Codepage: 850." or "Page de codes active : 850": the number is the
rem first word after the colon, without the period (LaunchTest applies these tokens to each form).
set "JB_CP="
if /i "%JBANG_WIN_UTF8%"=="false" goto :cp_done
for /f "tokens=2 delims=:" %%G in ('chcp') do for /f "tokens=1 delims=. " %%H in ("%%G") do set /a JB_CP=%%H 2>nul
if "%JB_CP%"=="0" set "JB_CP="
chcp 65001 >nul
:cp_done
rem What JBang reads about how it was launched (which shell runs its output, stdin a terminal?).
set "JBANG_RUNTIME_SHELL=cmd"
set "JBANG_LAUNCH_CMD=%~f0"
2>nul >nul timeout /t 0 && (set "JBANG_STDIN_NOTTY=false") || (set "JBANG_STDIN_NOTTY=true")

rem A fresh folder per run for the output. mkdir fails when the folder exists, so parallel runs
rem stay apart even when their %RANDOM% sequences collide (it is seeded by the clock).
:pick_tmp
set "JB_TMP=%TEMP%\jbang-bootstrap-%RANDOM%%RANDOM%"
mkdir "%JB_TMP%" 2>nul && goto :tmp_ok
if exist "%JB_TMP%\" goto :pick_tmp
>&2 echo jbang: cannot create a temporary folder in %TEMP%
set "JB_ERR=1"
goto :end
:tmp_ok

rem Launch runs JBang itself with the options in JB_JVM (cmd passes every variable on).
set "JB_RETRIED="
:launch
set "JB_CUR="
if exist "%JB_DIR%\launch\current" set /p JB_CUR=<"%JB_DIR%\launch\current"
if not defined JB_CUR goto :stale
if not exist "%JB_DIR%\launch\%JB_CUR%\Launch.class" goto :stale
"%JB_JAVA%" %JB_JVM% -classpath "%JB_DIR%\launch\%JB_CUR%" Launch "%JB_DIR%" "%JB_HOME%." %* > "%JB_TMP%\out.txt"
set "JB_ERR=%ERRORLEVEL%"
if not "%JB_ERR%"=="254" goto :launched
:stale
if defined JB_RETRIED goto :stale_again
set "JB_RETRIED=1"
call :bootstrap && goto :launch
set "JB_ERR=1"
goto :cleanup
:stale_again
>&2 echo jbang: %JB_DIR%\launch does not match .jbang\Launch.java; delete %JB_DIR% and run again
set "JB_ERR=1"
goto :cleanup

:launched
if not "%JB_ERR%"=="255" goto :show_output
rem Exit code 255: the first line of the output is the command to run in our place.
set "JB_CMDLINE="
for /f "usebackq delims=" %%L in ("%JB_TMP%\out.txt") do if not defined JB_CMDLINE set "JB_CMDLINE=%%L"
rd /s /q "%JB_TMP%"
%JB_CMDLINE%
set "JB_ERR=%ERRORLEVEL%"
goto :end

:show_output
type "%JB_TMP%\out.txt"
:cleanup
rd /s /q "%JB_TMP%"

:end
if defined JB_CP chcp %JB_CP% >nul
exit /b %JB_ERR%

:bootstrap
"%JB_JAVA%" %JB_JVM% "%JB_HOME%.jbang\Bootstrap.java" "%JB_DIR%" "%JB_HOME%.jbang\jbang-cli.lock" "%JB_HOME%.jbang\Launch.java"
exit /b %ERRORLEVEL%
