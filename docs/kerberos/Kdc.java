package t;
import java.io.File;
import java.nio.file.Files;
import java.util.Properties;
import org.apache.hadoop.minikdc.MiniKdc;
public class Kdc {
  public static void main(String[] a) throws Exception {
    File dir = new File(a[0]); dir.mkdirs();
    Properties conf = MiniKdc.createConf();
    conf.setProperty(MiniKdc.KDC_BIND_ADDRESS, "localhost");
    conf.setProperty(MiniKdc.MAX_TICKET_LIFETIME, "120000");
    MiniKdc kdc = new MiniKdc(conf, dir);
    kdc.start();
    kdc.createPrincipal(new File(dir, "service.keytab"), "root/localhost", "HTTP/localhost");
    kdc.createPrincipal(new File(dir, "weft.keytab"), "weft");
    System.out.println("KDC READY realm=" + kdc.getRealm() + " port=" + kdc.getPort() + " krb5=" + kdc.getKrb5conf());
    System.out.println(new String(Files.readAllBytes(kdc.getKrb5conf().toPath())));
    System.out.flush();
    while (System.in.read() >= 0) {}
    kdc.stop();
  }
}
