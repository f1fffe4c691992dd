///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Hello world: bench step (d) times its warm launch to measure what JBang itself costs.
//JAVA 17+

class hello {
    public static void main(String... args) { System.out.println("hello"); }
}
