import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkArgs {
  /** VPC CIDR. Default 10.0.0.0/16. */
  readonly cidrBlock?: string;
  /** How many availability zones to spread over. Default 2 (EKS needs at least 2). */
  readonly azCount?: number;
}

/** A VPC with one public and one private subnet per AZ, an internet gateway and one NAT gateway. */
export function createNetwork(name: string, args: NetworkArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const azs = aws.getAvailabilityZonesOutput({ state: "available" }, opts).names.apply((n) => n.slice(0, args.azCount ?? 2));
  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.cidrBlock ?? "10.0.0.0/16", enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } }, opts);
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, opts);
  const publicRt = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }, opts);
  const count = args.azCount ?? 2;
  const publicSubnets: aws.ec2.Subnet[] = [];
  const privateSubnets: aws.ec2.Subnet[] = [];
  for (let i = 0; i < count; i++) {
    const az = azs.apply((a) => a[i] ?? a[0] ?? "");
    publicSubnets.push(
      new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: vpc.id, availabilityZone: az, cidrBlock: `10.0.${i}.0/24`, mapPublicIpOnLaunch: true,
        tags: { Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
      }, opts),
    );
    privateSubnets.push(
      new aws.ec2.Subnet(`${name}-private-${i}`, {
        vpcId: vpc.id, availabilityZone: az, cidrBlock: `10.0.${100 + i}.0/24`,
        tags: { Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
      }, opts),
    );
    new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: publicSubnets[i]!.id, routeTableId: publicRt.id }, opts);
  }
  const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc" }, opts);
  const nat = new aws.ec2.NatGateway(`${name}-nat`, { subnetId: publicSubnets[0]!.id, allocationId: eip.id }, { parent, dependsOn: [igw] });
  const privateRt = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] }, opts);
  privateSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: privateRt.id }, opts));
  return { vpc, publicSubnets, privateSubnets };
}
