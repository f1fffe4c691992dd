package tests;

import lib.Launcher;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The command a hint or help text tells the user to type is the launcher of the user's own OS. */
class LauncherTest {
    @Test
    void windowsUsersAreToldJbangCmdAndEveryoneElseTheShLauncher() {
        String os = System.getProperty("os.name");
        try {
            System.setProperty("os.name", "Windows 11");
            assertThat(Launcher.command("backup.java --type daily")).isEqualTo(".\\jbang.cmd backup.java --type daily");
            System.setProperty("os.name", "Mac OS X");
            assertThat(Launcher.command("backup.java --type daily")).isEqualTo("./jbang backup.java --type daily");
            System.setProperty("os.name", "Linux");
            assertThat(Launcher.prefix()).isEqualTo("./jbang");
        } finally {
            System.setProperty("os.name", os);
        }
    }
}
