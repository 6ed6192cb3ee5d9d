package dev.repdb.jms;

import dev.repdb.minigroup.TransferTests;

class TransferTestsWithJms extends TransferTests<MiniGroupWithJms> implements MiniGroupWithJms.FactoryGet {
}
