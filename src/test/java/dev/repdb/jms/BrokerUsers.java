package dev.repdb.jms;

import dev.repdb.Login;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager;

/**
 * Broker security for the test brokers, as server-config/artemis/broker.xml sets it up for a real one: one login per
 * site, every site may send to every site's queue and to the broadcast address (the protocol sends directed messages
 * to the other sites), but only site N may consume from {@code <group>.site.N}; every site may subscribe to the
 * broadcast. Roles: {@code <group>-site} (all sites of the group) and {@code <group>-site-<id>} (one site). A login
 * that belongs to no site gets nothing. Unlike broker.xml the test broker auto-creates the site queues, so the site
 * role may also create addresses and durable queues under {@code <group>.site.}.
 */
public final class BrokerUsers implements ActiveMQSecurityManager {
    private record Account(String password, Set<String> roles) {
    }

    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, Set<Role>> settings = new HashMap<>();
    private final Map<Integer, Login> siteLogins = new ConcurrentHashMap<>();
    private final String group;
    private boolean ownSettings = true;

    /** Logins for sites {@code siteIds} of {@code group} (user {@code <group>-site-<id>}, generated password). */
    public BrokerUsers(String group, int... siteIds) {
        this.group = group;
        String all = group + "-site";
        settings.put(group + ".broadcast", Set.of(role(all, true, true, false, true, true)));
        settings.put(group + ".site.#", Set.of(role(all, true, false, true, false, true)));
        for (int id : siteIds) {
            String own = all + "-" + id;
            settings.put(group + ".site." + id, Set.of(role(all, true, false, true, false, true),
                    role(own, false, true, false, false, false)));
            Login login = Login.generate(own);
            siteLogins.put(id, login);
            accounts.put(login.user(), new Account(login.password(), Set.of(all, own)));
        }
    }

    /**
     * @param send      send to the address
     * @param consume   consume from its queues
     * @param durable   create durable queues (auto-created site queues)
     * @param subscriptions create and delete non-durable queues (subscriptions)
     * @param address   create the address (auto-creation)
     */
    private static Role role(String name, boolean send, boolean consume, boolean durable, boolean subscriptions,
                             boolean address) {
        // name, send, consume, createDurableQueue, deleteDurableQueue, createNonDurableQueue, deleteNonDurableQueue,
        // manage, browse, createAddress, deleteAddress
        return new Role(name, send, consume, durable, false, subscriptions, subscriptions, false, false, address, false);
    }

    /** Site {@code id}'s login. */
    public Login site(int id) {
        Login login = siteLogins.get(id);
        if (login == null) {
            throw new IllegalArgumentException("no broker login for site " + id + " of group " + group);
        }
        return login;
    }

    /** A login with a valid password but no role: it can connect and do nothing. */
    public Login outsider(String user) {
        Login login = Login.generate(user);
        accounts.put(user, new Account(login.password(), Set.of()));
        return login;
    }

    /**
     * Keeps the security settings of the broker's own configuration (a broker.xml with the same role names) instead
     * of putting these in.
     */
    public BrokerUsers withConfiguredSettings() {
        ownSettings = false;
        return this;
    }

    /** Turns security on in {@code configuration} and puts these security settings in (unless configured ones stay). */
    void applyTo(Configuration configuration) {
        configuration.setSecurityEnabled(true);
        if (ownSettings) {
            configuration.getSecurityRoles().putAll(settings);
        }
    }

    @Override
    public boolean validateUser(String user, String password) {
        Account a = user == null ? null : accounts.get(user);
        return a != null && a.password().equals(password);
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        if (!validateUser(user, password)) {
            return false;
        }
        Set<String> mine = accounts.get(user).roles();
        return roles.stream().anyMatch(r -> mine.contains(r.getName()) && checkType.hasRole(r));
    }
}
