package dev.repdb.jms;

import dev.repdb.minigroup.GroupBasicsTests;

class GroupBasicsTestsWithJms extends GroupBasicsTests<MiniGroupWithJms> implements MiniGroupWithJms.FactoryGet {
}
