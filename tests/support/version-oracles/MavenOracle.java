// Oracle for Maven version ordering: ComparableVersion from the maven-artifact jar.
// Reads lines "c<TAB>A<TAB>B"; prints -1, 0 or 1 per line.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(System.out);
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", -1);
            int r = new ComparableVersion(f[1]).compareTo(new ComparableVersion(f[2]));
            out.println(Integer.signum(r));
        }
        out.flush();
    }
}
