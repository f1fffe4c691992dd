@echo off
rem Runs JBang for this project on Windows (cmd.exe) with nothing but Java 17+ installed; same logic
rem as ./jbang: the jbang on PATH if there is one, else JBang 0.132.1 fetched once from Maven Central
rem by .jbang\Bootstrap.java (jars pinned by sha256 in .jbang\jbang-cli.lock) into
rem %LOCALAPPDATA%\jbang-bootstrap\0.132.1 (or %JBANG_BOOTSTRAP_DIR%).
rem JBANG_BOOTSTRAP_FORCE=1 ignores a jbang on PATH. Delete the cache folder to fetch again.
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

rem 1. A jbang on PATH wins. `where` also finds this very file (it looks in the current folder
rem first), so skip anything in this script's folder instead of calling ourselves forever.
if defined JBANG_BOOTSTRAP_FORCE goto :find_java
set "JB_FOUND="
for /f "delims=" %%P in ('where jbang.cmd jbang.exe jbang.bat 2^>nul') do (
  if not defined JB_FOUND if /i not "%%~dpP"=="%JB_HOME%" set "JB_FOUND=%%P"
)
if not defined JB_FOUND goto :find_java
call "%JB_FOUND%" %*
exit /b %ERRORLEVEL%

:find_java
set "JB_JAVA=java"
if defined JAVA_HOME if exist "%JAVA_HOME%\bin\java.exe" set "JB_JAVA=%JAVA_HOME%\bin\java.exe"
if not "%JB_JAVA%"=="java" goto :java_ok
where /q java && goto :java_ok
>&2 echo jbang: Java 17+ not found: install a JDK and put it on PATH (or set JAVA_HOME)
exit /b 1
:java_ok

rem 2. Fetch JBang's jars once (Bootstrap writes .complete only after every jar is verified), and compile
rem .jbang\Launch.java into %JB_DIR%\launch\<version>\ (%JB_DIR%\launch\current names it).
set "JB_DIR=%LOCALAPPDATA%\jbang-bootstrap\%JB_VERSION%"
if defined JBANG_BOOTSTRAP_DIR set "JB_DIR=%JBANG_BOOTSTRAP_DIR%"
rem A trailing backslash would escape the closing quote of "%JB_DIR%" for java's argument parser.
if "%JB_DIR:~-1%"=="\" set "JB_DIR=%JB_DIR:~0,-1%"
if exist "%JB_DIR%\.complete" goto :run
call :bootstrap || exit /b 1

rem 3. Same protocol as JBang's own jbang.cmd: Launch prints the java command line for the script
rem (quoted for cmd) and exits 255; we then run that line. Any other exit code: show its output and
rem pass the code on; 254: Launch was compiled from another version of its source, compile it again.
rem Launch runs JBang under a lock, checks and records each build, and runs a recorded one without
rem JBang (same logic as ./jbang, which is where it is tested: checked on Windows: not yet).
rem cmd has no $(...), so the output goes through a file.
:run
rem Like JBang's jbang.cmd: UTF-8 code page while JBang and the script run (non-ASCII paths),
rem unless JBANG_WIN_UTF8=false; the original one is restored before exiting.
set "JB_CP="
if /i "%JBANG_WIN_UTF8%"=="false" goto :cp_done
for /f "tokens=2 delims=:" %%G in ('chcp') do set /a JB_CP=%%G 2>nul
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
